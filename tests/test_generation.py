import pytest
import torch

from shared import generation, models


@pytest.fixture(scope="module")
def smol():
    return models.load_causal_lm()


def test_chat_answers_in_english(smol):
    tokenizer, model = smol
    answer = generation.chat(model, tokenizer, "What is the capital of France?", max_new_tokens=12)
    assert "Paris" in answer


def test_chat_ids_use_the_chat_template(smol):
    tokenizer, _ = smol
    ids = generation.chat_ids(tokenizer, "Oi", system="Seja breve.")
    text = tokenizer.decode(ids[0])
    assert "Seja breve." in text and "Oi" in text and text.rstrip().endswith("assistant")


def test_greedy_by_hand_matches_generate(smol):
    tokenizer, model = smol
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    mine = generation.greedy_decode(model, ids, 32, eos_token_id=tokenizer.eos_token_id)
    with torch.no_grad():
        library = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=32, do_sample=False,
                                 pad_token_id=tokenizer.eos_token_id)  # fmt: skip
    assert torch.equal(mine, library)


def test_bad_length_is_refused(smol):
    tokenizer, model = smol
    with pytest.raises(ValueError, match="max_new_tokens"):
        generation.chat(model, tokenizer, "Oi", max_new_tokens=0)


def test_chat_batch_matches_one_at_a_time(smol):
    from shared.generation import chat_batch

    tokenizer, model = smol
    prompts = ["What is 2 + 2?", "Name a color of the sky on a clear day, in one word."]
    together = chat_batch(model, tokenizer, prompts, max_new_tokens=6)
    alone = [generation.chat(model, tokenizer, p, max_new_tokens=6) for p in prompts]
    assert together == alone and tokenizer.padding_side == "right"
    shot = [{"role": "user", "content": "Say A."}, {"role": "assistant", "content": "A"}]
    assert len(chat_batch(model, tokenizer, prompts[:1], max_new_tokens=2, history=shot, batch_size=1)) == 1
    with pytest.raises(ValueError, match="max_new_tokens"):
        chat_batch(model, tokenizer, prompts, max_new_tokens=0)
