/**
 * The declared world: regions (each a residency zone), the links between them, devices, lanes and models, as immutable
 * records that validate themselves, loaded from YAML by {@link TopologyLoader}.
 *
 * <pre>{@code
 * Topology t = TopologyLoader.embeddedDefault();          // regions hk and intl, three lanes, two models
 * Topology mine = TopologyLoader.load(Path.of("topology.yaml"));
 * LaneSpec lane = t.lane("hk-general");
 * }</pre>
 */
package dev.laneway.topology;
