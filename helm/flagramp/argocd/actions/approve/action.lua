-- flagramp acts on flagramp.io/approve once per new value; a UTC time is new at each use (and, used twice
-- within one second, made new with the object's resourceVersion).
local os = require("os")
local key = "flagramp.io/approve"
local value = os.date("!%Y-%m-%dT%XZ")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
if obj.metadata.annotations[key] == value then
  value = value .. "/" .. obj.metadata.resourceVersion
end
obj.metadata.annotations[key] = value
return obj
