"""医保问答助手: conversation core, channels and command line (bot -> intents -> policy_faq)."""
