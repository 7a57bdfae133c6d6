package org.beear.security;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a refused security switch-off into Spring Boot's short "APPLICATION FAILED TO START" report. */
class InsecureBindingFailureAnalyzer extends AbstractFailureAnalyzer<LoopbackGuard.InsecureBindingException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LoopbackGuard.InsecureBindingException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Bind the server to 127.0.0.1 or ::1 (server.address), or remove beear.security.enabled=false.", cause);
  }
}
