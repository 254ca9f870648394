// The names people read for the feature switches, shared by the workspace's and the groups' screens.
export const featureNames: Record<string, string> = {
  models: "Models",
  file_upload: "File upload",
  api_keys: "API key creation",
  fine_tuning: "Fine-tuning",
  sharing: "Conversation sharing",
  export: "Export",
};
