"""ShopGuide retrieval: catalog files, embeddings, Chroma store, BM25 and hybrid search. Knows nothing of LLMs."""
