package org.beear.llm.text.jinja;

/**
 * Jinja2's default Undefined: what a missing variable, key or attribute evaluates to. It prints as
 * nothing, is false, iterates as empty and compares equal only to itself; reading an attribute or item
 * of it, calling it or using it in arithmetic is an error, as in Jinja2.
 */
final class Undefined {
  static final Undefined INSTANCE = new Undefined("undefined value");

  private final String description;

  private Undefined(String description) {
    this.description = description;
  }

  static Undefined named(String name) {
    return new Undefined("'" + name + "' is undefined");
  }

  static Undefined attribute(Object owner, Object name) {
    return new Undefined(Py.typeName(owner) + " object has no attribute " + Repr.brief(name));
  }

  String description() {
    return description;
  }

  JinjaException error() {
    return JinjaException.runtime(description);
  }

  @Override
  public String toString() {
    return "";
  }
}
