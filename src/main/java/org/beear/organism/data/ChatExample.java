package org.beear.organism.data;

/** One supervised chat pair: the user turn and the assistant's response (the chat template is applied later). */
public record ChatExample(String prompt, String response, ExampleKind kind) {}
