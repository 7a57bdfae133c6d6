package org.beear.app;

import org.beear.files.DiskSpace;
import org.springframework.context.annotation.Configuration;

/**
 * Hands {@code beear.storage.min-free-space} to the engine, which knows nothing of Spring: its checkpoint and
 * save checks read the process-wide reserve of {@link DiskSpace}. Set once, at start-up, before any job runs.
 */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

  StorageConfiguration(BeearProperties properties) {
    DiskSpace.setReserve(properties.storage().minFreeSpace().toBytes());
  }
}
