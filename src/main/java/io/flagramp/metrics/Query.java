package io.flagramp.metrics;

import java.time.Duration;
import java.time.Instant;

/**
 * One instant query.
 *
 * @param endpoint where and how to ask
 * @param promql the expression
 * @param at the evaluation time, sent explicitly
 * @param shareWithin a result of the same expression from the same endpoint evaluated less than this
 *     long before {@code at} may be reused instead of asking again (ScalingChanges that share an
 *     address and a query share one query per interval); {@link Duration#ZERO} never reuses
 */
public record Query(PrometheusEndpoint endpoint, String promql, Instant at, Duration shareWithin) {}
