package org.beear.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.job.FieldProblem;
import org.beear.job.InvalidRequestException;
import org.beear.security.ApiKeys;
import org.beear.security.Callers;
import org.beear.security.Role;
import org.beear.security.Tenants;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** API keys, for the admin role: create (the key is shown once), list, revoke. */
@RestController
@RequestMapping("/api/v1/keys")
@Tag(name = "keys", description = "Admin only. Keys of every tenant: an admin key is the operator's.")
public class ApiKeyController {

  private final ApiKeys keys;
  private final Callers callers;

  public ApiKeyController(ApiKeys keys, Callers callers) {
    this.keys = keys;
    this.callers = callers;
  }

  @Schema(name = "CreateApiKeyRequest")
  public record CreateRequest(
      @Schema(description = "what the key is for, e.g. the person or tool using it", example = "ci-pipeline")
      String name,
      @Schema(allowableValues = {"read", "submit", "admin", "metrics"}) String role,
      @Schema(description = "the tenant whose jobs the key sees; default: the caller's") String tenant) {}

  @Schema(name = "ApiKey")
  public record KeyView(UUID id, @Schema(description = "the key's first characters") String prefix, String name,
      String role, String tenant, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {
    static KeyView of(ApiKeys.ApiKey k) {
      return new KeyView(k.id(), k.prefix(), k.name(), k.role().wireName(), k.tenant(), k.createdAt(),
          k.lastUsedAt(), k.revokedAt());
    }
  }

  @Schema(name = "CreatedApiKey")
  public record CreatedView(UUID id,
      @Schema(description = "the key itself; shown only in this answer") String key,
      String prefix, String name, String role, String tenant, Instant createdAt) {}

  @Operation(summary = "Create an API key", description = "The answer holds the key; it is stored only as a hash "
      + "and cannot be shown again. Send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")
  @ApiResponse(responseCode = "201", description = "created")
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<CreatedView> create(@RequestBody CreateRequest request) {
    List<FieldProblem> problems = new ArrayList<>();
    if (request == null) {
      throw new InvalidRequestException(List.of(new FieldProblem("body", "a JSON object is required")));
    }
    if (request.name() == null || request.name().isBlank() || request.name().length() > 100) {
      problems.add(new FieldProblem("name", "a name of 1 to 100 characters is required"));
    } else if (request.name().chars().anyMatch(Character::isISOControl)) {
      problems.add(new FieldProblem("name", "must not contain control characters (NUL, tab, line breaks...)"));
    }
    Optional<Role> role = Role.fromWireName(request.role());
    if (role.isEmpty()) {
      problems.add(new FieldProblem("role", "must be one of " + Role.wireNames() + ", got " + request.role()));
    }
    String tenant = request.tenant() == null ? callers.tenant() : request.tenant().trim();
    if (!Tenants.isValid(tenant)) {
      problems.add(new FieldProblem("tenant", "must be 1 to 64 letters, digits, '.', '-' or '_', got " + tenant));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    ApiKeys.CreatedKey created = keys.create(request.name().trim(), role.get(), tenant);
    ApiKeys.ApiKey k = created.key();
    return ResponseEntity.created(URI.create("/api/v1/keys/" + k.id())).body(new CreatedView(k.id(),
        created.secret(), k.prefix(), k.name(), k.role().wireName(), k.tenant(), k.createdAt()));
  }

  @Operation(summary = "List API keys (never the keys themselves), revoked ones included")
  @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  public List<KeyView> list() {
    return keys.list().stream().map(KeyView::of).toList();
  }

  @Operation(summary = "Revoke an API key", description = "The key stops working at once; revoking it again "
      + "changes nothing.")
  @ApiResponse(responseCode = "200", description = "revoked")
  @DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  public KeyView revoke(@PathVariable String id) {
    UUID keyId;
    try {
      keyId = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new ApiKeyNotFoundException(id);
    }
    return keys.revoke(keyId).map(KeyView::of).orElseThrow(() -> new ApiKeyNotFoundException(id));
  }

  /** Answered 404 by {@link ApiProblems}. */
  static class ApiKeyNotFoundException extends RuntimeException {
    ApiKeyNotFoundException(String id) {
      super("no API key " + id);
    }
  }
}
