-- The Argo CD actions of a flagramp.io/ScalingChange. All six are listed; those that flagramp would only
-- acknowledge as ignored in the current phase are disabled.
local status = obj.status or {}
local phase = status.phase
local suspended = obj.spec ~= nil and obj.spec.suspend == true
local ended = phase == "Succeeded" or phase == "RolledBack"
local soaking = (phase == "Progressing" or phase == "Baking") and status.currentWeight ~= nil
  and status.reason ~= "AwaitingAnalysis"
-- Held on an undecided cohort metric waits for a person: a promote goes on without a verdict.
local undecided = phase == "Held" and status.reason == "Undecided" and status.currentWeight ~= nil
local actions = {}
actions["abort"] = {disabled = phase == "RolledBack", displayName = "Abort: restore the original values"}
actions["retry"] = {disabled = phase ~= "RolledBack", displayName = "Retry from the first step"}
actions["approve"] = {disabled = phase ~= "AwaitingApproval", displayName = "Approve the waiting step"}
actions["promote"] = {disabled = not (soaking or undecided), displayName = "Promote: end this soak now"}
actions["suspend"] = {disabled = suspended or ended, displayName = "Suspend"}
actions["resume"] = {disabled = not suspended, displayName = "Resume"}
return actions
