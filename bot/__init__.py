"""ShopGuide: the conversation layer (assistant core, dialog state, channels, CLI)."""
