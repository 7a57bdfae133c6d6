package org.beear.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.bucket4j.TimeMeter;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The request body filter and the time source of the rate limiter (tests replace it to move time on). */
@Configuration(proxyBeanMethods = false)
public class LimitsConfiguration {

  @Bean
  TimeMeter limitsTimeMeter() {
    return TimeMeter.SYSTEM_NANOTIME;
  }

  /** Before Spring Security, so an oversized body is refused before any key is looked up. */
  @Bean
  FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(LimitsProperties limits,
      ObjectMapper mapper) {
    FilterRegistrationBean<RequestBodyLimitFilter> registration =
        new FilterRegistrationBean<>(new RequestBodyLimitFilter(limits, mapper));
    registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER - 10);
    return registration;
  }
}
