"""Deterministic answers in the customer's language, built from catalog facts only.

These are the replies that need no model (greeting, help, clarifying question, handoff, product details,
the evidence behind a card) and the templates the assistant falls back to when the model is down, slow, or
writes something the grounding check rejects. Every number in them is the catalog's; every phrase comes from
the message catalogue (`bot.i18n.answers`). One module per thing composed:

- `text`: clipping, first sentences, whether a text reads in a language;
- `products`: one product in words (stock, local name, list line, evidence facts, details, buy, similar);
- `product_question`: the catalog facts that bear on a question about one product;
- `recommendation`: the customer's requirements in words, the recommendation and no-match answers;
- `reviews`: the extractive review summary and its wording;
- `comparison`: the comparison table and its template answer;
- `policy`: the answer from the shop's policy passages;
- `replies`: the clarifying question with its quick replies, and the evidence behind a reply ("Why?").
"""
