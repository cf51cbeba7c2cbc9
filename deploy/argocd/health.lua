-- Argo CD health check for bellwether.dev/Rollout (resource.customizations.health.bellwether.dev_Rollout).
-- Reads only status, which the Bellwether controller writes: Healthy when the rollout is complete,
-- Suspended while paused (a step pause or spec.paused), Degraded when aborted or invalid,
-- Progressing otherwise. Keep in step with argocd-cm.yaml (a unit test checks both).
local hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the rollout"
  return hs
end
local status = obj.status
local generation = tonumber(obj.metadata.generation or 0) or 0
local observed = tonumber(status.observedGeneration or 0) or 0
if observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "InvalidSpec" and condition.status == "True" then
      hs.status = "Degraded"
      hs.message = "InvalidSpec: " .. (condition.message or "")
      return hs
    end
  end
end
if status.abort == true then
  hs.status = "Degraded"
  hs.message = "Rollout aborted: " .. (status.message or "back on the stable version")
  return hs
end
local message = status.message or ""
if status.phase == "Healthy" then
  hs.status = "Healthy"
  hs.message = message
elseif status.phase == "Paused" or (obj.spec ~= nil and obj.spec.paused == true) then
  hs.status = "Suspended"
  hs.message = message ~= "" and message or "Rollout is paused"
elseif status.phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = message
else
  hs.status = "Progressing"
  hs.message = message
end
return hs
