"""Stage study_report: the seed study (contrastive against ce_only, seed variance in every interval).

Reads the grid's metrics files and per-item records (TL;DR, RealToxicityPrompts, TruthfulQA,
MMLU-Pro, likelihood) and the training metrics; writes reports/<study_name>.json (the
machine-readable summary, its numbers the metrics files') and reports/<study_name>.md (tables,
the verdict written from the numbers, the paper's Table 4 beside them). report/study.py.
"""
from pathlib import Path

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_path, write_json
from alignment_tax.report.study import Cells, render, summary
from alignment_tax.pipeline.stage import begin


@stage_main
def main() -> None:
    params = load_params()
    begin(params, seed=False)
    rep, rtp = params.benchmarks.report, params.benchmarks.realtoxicityprompts
    result = summary(params, Cells(), confidence=rep.confidence)
    if not any(m["methods"] for m in result["models"].values()):
        raise AlignmentTaxError("study_report: no trained method (training_runs, dpo) in the grid's methods")
    result.update({"train_rows": params.data.tldr.train_rows,
                   "rtp": {"subset": rtp.subset, "prompts": rtp.rows, "samples": rtp.samples}})
    name = rep.study_name
    write_json(Path("reports") / f"{name}.json", result)
    text = render(result, params)
    with atomic_path(Path("reports") / f"{name}.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
