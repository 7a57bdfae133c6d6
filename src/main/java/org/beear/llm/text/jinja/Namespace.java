package org.beear.llm.text.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Jinja2's namespace(): the one mutable object, so a loop can hand values to the code after it. As in Python it is
 * equal only to itself, so a namespace that holds itself compares and hashes without walking into itself; repr
 * stops at the cycle ({@link Repr}).
 */
final class Namespace {
  private final Map<String, Object> attributes = new LinkedHashMap<>();

  Map<String, Object> attributes() {
    return attributes;
  }
}
