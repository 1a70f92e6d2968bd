-- Argo CD health of a flagramp.io/ScalingChange, from its phase (flagramp's README, "GitOps"):
-- Progressing while it ramps, bakes or awaits approval (flagramp measures on meanwhile); Suspended while
-- spec.suspend holds it; Degraded once it reverted (RolledBack), froze (Held) or cannot run (Invalid);
-- Healthy once it Succeeded. The message is the phase, its reason and flagramp's last decision.
local byPhase = {
  Pending = "Progressing", Progressing = "Progressing", AwaitingApproval = "Progressing",
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
hs.message = status.phase
if status.reason ~= nil and status.reason ~= status.phase then
  hs.message = hs.message .. " (" .. status.reason .. ")"
end
if status.lastDecision ~= nil then
  hs.message = hs.message .. ": " .. status.lastDecision
end
return hs
