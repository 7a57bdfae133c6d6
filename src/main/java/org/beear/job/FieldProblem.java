package org.beear.job;

/** One invalid field of a request, by its JSON path (e.g. {@code options.alpha}). */
public record FieldProblem(String field, String message) {}
