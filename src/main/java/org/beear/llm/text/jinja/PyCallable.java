package org.beear.llm.text.jinja;

import java.util.List;
import java.util.Map;

/** Something a template may call: a global function, a bound string/dict method, loop.cycle. */
@FunctionalInterface
interface PyCallable {
  Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs);
}
