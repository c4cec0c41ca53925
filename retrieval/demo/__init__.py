"""The demo shop shipped with ShopGuide: its data files and the sources they are generated from.

The data (products.jsonl, reviews.jsonl, policies.md, queries.jsonl, qrels.tsv) is described in README.md
beside this file; `python -m retrieval.demo.make_demo` regenerates it.
"""
