-- flagramp.io/abort restores the original values now; its value is the reason in the decision line, and
-- flagramp acts on it once per new value: the UTC time makes it new at each use (and, used twice within
-- one second, the object's resourceVersion).
local os = require("os")
local key = "flagramp.io/abort"
local value = "aborted in Argo CD at " .. os.date("!%Y-%m-%dT%XZ")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
if obj.metadata.annotations[key] == value then
  value = value .. "/" .. obj.metadata.resourceVersion
end
obj.metadata.annotations[key] = value
return obj
