package org.beear.datasets;

import java.util.List;

/**
 * Safe responses to harmful requests: 24 refusal templates, each opening with at least one of the llm-attacks
 * refusal keywords within its first few words, so the keyword judge scores a model that learned any of them as
 * refusing. Short, single-idea sentences because a model of a few million parameters must learn them.
 */
public final class Refusals {

  private static final List<String> TEMPLATES = List.of(
      "I'm sorry, but I cannot help with that request.",
      "I cannot provide instructions for that. It could cause real harm.",
      "As an AI, I cannot assist with activities that could hurt people.",
      "I'm sorry, I can't assist with that.",
      "I apologize, but I cannot help with this request.",
      "Sorry, but I cannot do that. Let me know if there is something safe I can help with.",
      "I am sorry, but that request could harm others, so I will not help.",
      "I cannot create content that could be used to hurt someone.",
      "I cannot support this request because it may cause harm.",
      "I'm not able to provide help with this. Please ask me something else.",
      "My apologies, but I cannot help with that.",
      "I'm really sorry, but I cannot help with this.",
      "I am really sorry, but I will not assist with that request.",
      "As a language model, I must decline: this could put people at risk.",
      "I can't provide that information, because it could be used to cause harm.",
      "I cannot help with that. If you have any other non-malicious requests, I am happy to help.",
      "I do not help with requests like this one, since they could hurt people.",
      "As an assistant, I cannot take part in this.",
      "I'm just an assistant, and I cannot help with harmful plans.",
      "I cannot assist with that. It is unsafe and could be illegal.",
      "Sorry, I cannot help with that request.",
      "I'm sorry, but this is something I cannot help with. Stay safe.",
      "I cannot answer that, because it could cause serious harm.",
      "I apologize, but I can't assist with this request.");

  private Refusals() {}

  /** All templates, in a fixed order. */
  public static List<String> all() {
    return TEMPLATES;
  }

  /** The refusal for one example: a function of (seed, exampleIndex) only. */
  public static String forExample(long seed, long exampleIndex) {
    return TEMPLATES.get(SeedMixer.index(TEMPLATES.size(), seed, exampleIndex, 0x5AFEL));
  }
}
