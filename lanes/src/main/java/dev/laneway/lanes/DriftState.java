package dev.laneway.lanes;

/**
 * One lane's drift state for one model variant, as admin and metrics read it.
 *
 * @param demoted whether routing skips the variant on the lane (reason {@code drift})
 * @param reason why it is demoted, or null
 * @param pin {@code none} (automatic), {@code demoted} or {@code admitted} (held by an operator until cleared)
 * @param meanCosine the rolling mean cosine to the reference variant over the checks in the window; NaN before any
 * @param checksInWindow shadow checks in the window now (a full window holds {@code window})
 * @param checks shadow checks recorded since start
 * @param attemptsInWindow answers whose output check is in the window now
 * @param failuresInWindow of those, the ones that failed it
 * @param bound the cosine the mean must stay at or above (the lane's admission {@code min_cosine}; 0: none)
 * @param window checks (and attempts) in a full window
 */
public record DriftState(String lane, String model, String variant, boolean demoted, String reason, String pin,
    double meanCosine, int checksInWindow, long checks, int attemptsInWindow, int failuresInWindow, double bound,
    int window) {}
