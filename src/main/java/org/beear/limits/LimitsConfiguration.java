package org.beear.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.bucket4j.TimeMeter;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The request body filter and the time source of the rate limiter (tests replace it to move time on). No filter
 * parses form bodies ({@code spring.mvc.formcontent.filter.enabled: false}): the API takes JSON only, and a form
 * body is never read; one nobody reads Tomcat drains up to {@code server.tomcat.max-swallow-size} (2 MB) without
 * keeping it, then closes the connection.
 */
@Configuration(proxyBeanMethods = false)
public class LimitsConfiguration {

  @Bean
  TimeMeter limitsTimeMeter() {
    return TimeMeter.SYSTEM_NANOTIME;
  }

  /**
   * First of all filters, so that whatever reads a body afterwards (Spring Security, the JSON converter) reads it
   * counted, and an oversized body is refused before any key is looked up.
   */
  @Bean
  FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(LimitsProperties limits,
      ObjectMapper mapper) {
    FilterRegistrationBean<RequestBodyLimitFilter> registration =
        new FilterRegistrationBean<>(new RequestBodyLimitFilter(limits, mapper));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }
}
