package org.beear.security;

import org.springframework.security.core.AuthenticationException;

/** A key was presented that does not exist or was revoked. */
final class InvalidApiKeyException extends AuthenticationException {
  InvalidApiKeyException() {
    super("the API key is unknown or revoked");
  }
}
