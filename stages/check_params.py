"""Stage check_params: validate the whole params.yaml against the schema.

It tracks every key of params.yaml, so it reruns on any change, including a key
appended with `dvc exp run -S +alfa=8` that no other stage reads (DVC would
otherwise run nothing and report success).
"""
from alignment_tax.config import load_params
from alignment_tax.errors import stage_main


@stage_main
def main() -> None:
    load_params()
    print("params.yaml: ok")


if __name__ == "__main__":
    main()
