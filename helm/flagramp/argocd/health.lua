-- Argo CD health of a flagramp.io/ScalingChange, from its phase (flagramp's README, "GitOps"), on Argo
-- Rollouts' terms: Suspended while the next move is a person's and nothing is wrong, as for a paused
-- Rollout: a step awaits approval (AwaitingApproval), spec.suspend holds it (Paused), or a cohort metric
-- stayed undecided past its extension (Held, reason Undecided: promote or abort, like a Rollout paused on
-- an inconclusive analysis). Every other Held is Degraded: a metric failed, someone else wrote the flag,
-- a claim or an opt-in is gone, Prometheus fails; something is wrong and on-call must see it, which
-- Degraded shows and Suspended would hide. Progressing while it ramps or bakes; Degraded once it reverted
-- (RolledBack) or cannot run (Invalid); Healthy once it Succeeded. The message is the phase, its reason
-- and flagramp's last decision.
local byPhase = {
  Pending = "Progressing", Progressing = "Progressing", AwaitingApproval = "Suspended",
  Baking = "Progressing", Paused = "Suspended", Succeeded = "Healthy",
  Held = "Degraded", RolledBack = "Degraded", Invalid = "Degraded",
}
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for flagramp to take up the change"
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for flagramp to take up generation " .. generation .. " (it last saw "
    .. status.observedGeneration .. ")"
  return hs
end
hs.status = byPhase[status.phase] or "Unknown"
if status.phase == "Held" and status.reason == "Undecided" then
  hs.status = "Suspended"
end
hs.message = status.phase
if status.reason ~= nil and status.reason ~= status.phase then
  hs.message = hs.message .. " (" .. status.reason .. ")"
end
if status.lastDecision ~= nil then
  hs.message = hs.message .. ": " .. status.lastDecision
end
return hs
