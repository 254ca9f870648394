// A multipart/form-data body with one file in the field `file`, as a browser's form sends it: the bytes
// and the content type (with its boundary) to send them with.
export async function multipartFile(
  filename: string,
  content: string | Uint8Array,
): Promise<{ body: Uint8Array<ArrayBuffer>; type: string }> {
  const form = new FormData();
  form.append("file", new Blob([typeof content === "string" ? content : new Uint8Array(content)]), filename);
  const request = new Request("http://localhost/", { method: "POST", body: form });
  return { body: new Uint8Array(await request.arrayBuffer()), type: request.headers.get("content-type")! };
}
