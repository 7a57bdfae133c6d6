package org.beear.llm.text.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** Jinja2's namespace(): the one mutable object, so a loop can hand values to the code after it. */
record Namespace(Map<String, Object> attributes) {
  Namespace() {
    this(new LinkedHashMap<>());
  }

  @Override
  public String toString() {
    return "<Namespace " + Py.repr(attributes) + ">";
  }
}
