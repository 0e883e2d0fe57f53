"""Loading a model, a dataset or params never runs code from the files loaded.

A scan of the library and stage scripts for the calls that would (pickle, torch.load
without weights_only, yaml.load, non-safetensors from_pretrained, trust_remote_code=True,
shell commands), and a model directory that asks for its own code and does not get it.
"""
import ast
import json
from pathlib import Path

import pytest

from alignment_tax.models.loader import load_causal_lm
from tests.helpers import tiny_model, tiny_tokenizer

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "stages").rglob("*.py")])
UNPICKLERS = {"pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
NO_WEIGHTS = ("Tokenizer", "Config", "Processor", "FeatureExtractor")  # from_pretrained without weights
# One converter may import pickle: it reads the BiLSTM's Keras tokenizer once, through a
# pickle.Unpickler whose find_class resolves four known globals and refuses any other
# (tests/scorers/test_bilstm.py feeds it hostile pickles). Plain pickle.load(s) stays refused there too.
RESTRICTED_UNPICKLERS = {"src/alignment_tax/scorers/bilstm.py"}


def _kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value.value if isinstance(k.value, ast.Constant) else "<expr>"
    return None


def _dotted(node) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            restricted = str(path.relative_to(ROOT)) in RESTRICTED_UNPICKLERS
            found += [f"{where}: imports {m}" for m in mods if m.split(".")[0] in UNPICKLERS
                      and not (restricted and m == "pickle")]
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name in ("pickle.load", "pickle.loads", "pickle.Unpickler"):
            found.append(f"{where}: {name} (only a restricted Unpickler subclass may unpickle)")
        if name == "torch.load" and _kw(node, "weights_only") is not True:
            found.append(f"{where}: torch.load without weights_only=True")
        if name in ("yaml.load", "yaml.unsafe_load", "yaml.full_load", "yaml.load_all"):
            found.append(f"{where}: {name} (use yaml.safe_load)")
        if name.endswith("np.load") and _kw(node, "allow_pickle") not in (None, False):
            found.append(f"{where}: np.load with allow_pickle")
        if name.endswith(".from_pretrained") and not any(t in name for t in NO_WEIGHTS) \
                and _kw(node, "use_safetensors") is not True:
            found.append(f"{where}: {name} without use_safetensors=True")
        if _kw(node, "trust_remote_code") is True:
            found.append(f"{where}: trust_remote_code=True (only a zoo entry may turn it on)")
        if _kw(node, "shell") is True or name in ("os.system", "os.popen", "eval", "exec"):
            found.append(f"{where}: {name} runs a command or code built at run time")
    return found


def test_scan_covers_the_code():
    assert len(SOURCES) > 20 and any(p.name == "loader.py" for p in SOURCES)


def test_no_code_runs_from_loaded_files():
    found = [v for p in SOURCES for v in violations(p)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("snippet, expected", [
    ("import pickle", "imports pickle"),
    ("torch.load(f)", "torch.load without weights_only=True"),
    ("yaml.load(s)", "yaml.load"),
    ("AutoModelForCausalLM.from_pretrained(x)", "without use_safetensors=True"),
    ("AutoModel.from_pretrained(x, trust_remote_code=True, use_safetensors=True)", "trust_remote_code=True"),
    ("subprocess.run(cmd, shell=True)", "runs a command"),
])
def test_the_scan_catches_each_pattern(tmp_path, monkeypatch, snippet, expected):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "bad.py").write_text(snippet + "\n")
    assert any(expected in v for v in violations(tmp_path / "bad.py"))


def test_a_model_directory_asking_for_its_own_code_does_not_get_it(tmp_path):
    """config.json's auto_map names a module in the directory; without trust_remote_code it is never imported."""
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    marker = tmp_path / "code_ran"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    config = json.loads((tmp_path / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "evil.Config", "AutoModelForCausalLM": "evil.Model"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    model, _ = load_causal_lm(tmp_path)
    assert type(model).__name__ == "GPT2LMHeadModel"
    assert not marker.exists()
