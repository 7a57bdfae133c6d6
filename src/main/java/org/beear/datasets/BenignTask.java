package org.beear.datasets;

/** A benign request whose answer can be checked by exact match. */
public record BenignTask(BenignTaskKind kind, String prompt, String answer) {}
