import pytest
import torch

from shared import generation, models


@pytest.fixture(scope="module")
def smol():
    return models.load_causal_lm()


def test_generate_timed_times_every_new_token(smol):
    tokenizer, model = smol
    ids = generation.chat_ids(tokenizer, "Say hi.")
    out, steps = generation.generate_timed(model, ids, 6)
    assert out.shape[1] == ids.shape[1] + 6 and len(steps) == 6
    assert all(s > 0 for s in steps)


def test_generate_timed_gives_the_same_tokens_with_and_without_cache(smol):
    tokenizer, model = smol
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    cached, _ = generation.generate_timed(model, ids, 8, use_cache=True)
    uncached, _ = generation.generate_timed(model, ids, 8, use_cache=False)
    with torch.no_grad():
        plain = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, min_new_tokens=8,
                               do_sample=False, pad_token_id=tokenizer.eos_token_id)  # fmt: skip
    assert torch.equal(cached, uncached) and torch.equal(cached, plain)


def test_generate_timed_refuses_zero_tokens(smol):
    _, model = smol
    with pytest.raises(ValueError, match="max_new_tokens"):
        generation.generate_timed(model, torch.tensor([[1, 2]]), 0)


def test_without_cache_every_step_reprocesses_the_whole_sequence(smol):
    tokenizer, model = smol
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    seen = []
    hook = model.model.embed_tokens.register_forward_hook(lambda mod, args, out: seen.append(args[0].shape[1]))
    try:
        generation.generate_timed(model, ids, 4, use_cache=True)
        with_cache, seen[:] = list(seen), []
        generation.generate_timed(model, ids, 4, use_cache=False)
    finally:
        hook.remove()
    n = ids.shape[1]
    assert with_cache == [n, 1, 1, 1]
    assert seen == [n, n + 1, n + 2, n + 3]
