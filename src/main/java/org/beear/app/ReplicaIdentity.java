package org.beear.app;

/**
 * The name this replica's workers are called after ({@code <id>-<n>}).
 *
 * @param stable true when the same replica has the same id after a restart, so jobs that a worker of this id
 *               held when its process died can be recovered on start instead of after their leases
 */
public record ReplicaIdentity(String id, boolean stable) {}
