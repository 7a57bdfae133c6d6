package org.beear.llm;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch is per thread and starts enabled on threads DJL did not initialise on (a service
 * worker, a test runner's thread). Work that must build no graph, and optimiser updates that modify leaves in
 * place, switch it off first; a gradient collector switches it on only for its own span.
 */
public final class GradMode {
  private GradMode() {}

  /** Turns autograd recording off for the calling thread. */
  public static void off() {
    Engine.getEngine("PyTorch"); // loads the native library the switch lives in, if nothing has yet
    if (JniUtils.isGradMode()) {
      JniUtils.setGradMode(false);
    }
  }
}
