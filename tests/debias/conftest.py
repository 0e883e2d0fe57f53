"""One tiny tokenizer and model for the debias tests (training the BPE takes seconds on a busy CPU)."""
import pytest

from tests.helpers import tiny_model, tiny_tokenizer


@pytest.fixture(scope="session")
def tok():
    return tiny_tokenizer()


@pytest.fixture
def model(tok):
    return tiny_model(tok).eval()
