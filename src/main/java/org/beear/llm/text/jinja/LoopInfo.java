package org.beear.llm.text.jinja;

import java.util.List;

/** The {@code loop} variable inside a for loop. */
final class LoopInfo {
  private final List<Object> items;
  int index0;

  LoopInfo(List<Object> items) {
    this.items = items;
  }

  Object attribute(String name) {
    int n = items.size();
    return switch (name) {
      case "index0" -> (long) index0;
      case "index" -> (long) index0 + 1;
      case "revindex" -> (long) (n - index0);
      case "revindex0" -> (long) (n - index0 - 1);
      case "first" -> index0 == 0;
      case "last" -> index0 == n - 1;
      case "length" -> (long) n;
      case "depth" -> 1L;
      case "depth0" -> 0L;
      case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.named("previtem");
      case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.named("nextitem");
      case "cycle" -> (PyCallable) (in, args, kwargs) -> {
        if (args.isEmpty()) {
          throw JinjaException.runtime("no items for cycling given");
        }
        return args.get(index0 % args.size());
      };
      default -> Undefined.attribute(this, name);
    };
  }
}
