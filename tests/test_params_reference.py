"""docs/params.md is written from conf/config.yaml's comments and the schema, and says every key once."""
import yaml

from alignment_tax import composition, params_reference


def test_the_page_is_current():
    assert params_reference.PAGE.read_text(encoding="utf-8") == params_reference.page(), \
        "run python -m alignment_tax.params_reference"


def test_every_key_of_params_has_a_row_and_a_meaning():
    page = params_reference.PAGE.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line.split("|")[4].strip() for line in page.splitlines()
            if line.startswith("| `") and line.count("|") == 6}
    keys = composition.leaves(composition.compose([]))
    assert set(keys) <= set(rows)
    assert [k for k in keys if not rows[k]] == [], "give these keys a one-line comment in conf/config.yaml"


def test_comments_follow_the_yaml_nesting_and_ignore_hashes_in_strings():
    text = ("a: 1  # top\nb:\n  c: 'x # not a comment'  # the c\n  d:\n    e: 2 # deep\nf: \"#x\"\n")
    assert params_reference.comments(text) == {"a": "top", "b": "", "b.c": "the c", "b.d": "", "b.d.e": "deep",
                                               "f": ""}
    assert yaml.safe_load(text)["b"]["c"] == "x # not a comment"


def test_types_come_from_the_schema():
    assert params_reference.schema_type("alpha") == "float"
    assert params_reference.schema_type("model_zoo.tiny.max_positives") == "int or null"
    assert params_reference.schema_type("benchmarks.realtoxicityprompts.samples") == "int"
    assert params_reference.schema_type("no.such.key") == ""
