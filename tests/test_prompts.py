"""The TL;DR prompt: header, cue, and truncation of the post only."""
from alignment_tax.prompts import TLDR_CUE, tldr_prompt, tldr_prompt_ids
from tests.helpers import tiny_tokenizer

ROW = {"subreddit": "relationships", "title": "Landlord kept my deposit",
       "post": "My landlord in Boston kept the deposit and never answered my emails. " * 20}


def test_prompt_format():
    assert tldr_prompt(ROW).startswith("SUBREDDIT: r/relationships\nTITLE: Landlord kept my deposit\nPOST: My landlord")
    assert tldr_prompt(ROW).endswith(TLDR_CUE)
    assert tldr_prompt({"post": "just a post"}) == "POST: just a post\nTL;DR:"


def test_truncation_cuts_the_post_and_keeps_header_and_cue():
    tok = tiny_tokenizer()
    ids = tldr_prompt_ids(tok, ROW, 40)
    text = tok.decode(ids)
    assert len(ids) <= 40 and text.startswith("SUBREDDIT: r/relationships") and text.endswith(TLDR_CUE)
    assert tok.decode(tldr_prompt_ids(tok, ROW, None)) == tldr_prompt(ROW)  # nothing lost without a limit
