package dev.laneway.runtime;

import java.util.List;

/**
 * The execution provider a session runs on.
 *
 * @param requested the device's providers, in order of preference
 * @param chosen the provider in use
 * @param standIn true when the device asked for an accelerator first and runs on the CPU provider instead
 * @param reason why the preferred providers were passed over (empty when the first one was used)
 */
public record ProviderChoice(List<String> requested, String chosen, boolean standIn, String reason) {}
