package org.beear.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** One page of jobs, newest first. */
@Schema(name = "JobPage")
public record JobPageView(List<JobView> data, int page, int size, long total, boolean hasMore) {}
