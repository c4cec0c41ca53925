"""ShopGuide serving: the OpenAI-compatible LLM client, the embedded CPU engine and the vLLM launcher. Knows nothing of products."""
