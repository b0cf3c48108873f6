// The API documentation (/v1/docs): renders openapi.json's operations and schemas, and the try-it form that
// sends POST /v1/verify. A file rather than an inline script, so the page's policy allows no inline script.
"use strict";
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c === null || c === undefined ? "" : c);
  return node;
}
function refName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.type === "array") return refName(schema.items) + "[]";
  if (schema.oneOf) return schema.oneOf.map(refName).join(" | ");
  return schema.type || "";
}
function schemaLink(schema) {
  const name = refName(schema);
  const base = name.replace("[]", "");
  return name && !name.includes("|") && base[0] === base[0].toUpperCase() ? el("a", {href: "#schema-" + base}, name) : name;
}
function typeOf(prop) {
  if (prop.$ref || prop.oneOf) return schemaLink(prop);
  if (prop.type === "array") return el("span", {}, "array of ", typeOf(prop.items || {}));
  if (prop.type === "object" && prop.additionalProperties) return el("span", {}, "map of ", typeOf(prop.additionalProperties));
  return prop.type || "any";
}
function constraints(prop) {
  const out = [];
  if (prop.enum) out.push("one of " + prop.enum.join(", "));
  for (const k of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern", "default"])
    if (prop[k] !== undefined) out.push(k + " " + JSON.stringify(prop[k]));
  return out.join("; ");
}
function renderPaths(spec) {
  const box = document.getElementById("paths");
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const div = el("div", {class: "op"},
        el("span", {class: "method " + method}, method), el("code", {}, path), " ",
        el("strong", {}, op.summary || ""), op.security ? el("span", {class: "key"}, "needs X-API-Key") : "");
      if (op.description) div.append(el("p", {class: "muted"}, op.description));
      const [media, body] = Object.entries((op.requestBody || {}).content || {})[0] || [];
      if (body && media === "application/json") div.append(el("div", {}, "body: ", schemaLink(body.schema)));
      else if (body)  // a form (multipart/form-data): its fields inline
        div.append(el("div", {}, `body (${media}): `, ...Object.entries(body.schema.properties || {}).map(
          ([name, prop]) => el("span", {}, el("code", {}, name), " ", prop.format === "binary" ? "file" : typeOf(prop), " "))));
      for (const p of op.parameters || [])
        div.append(el("div", {}, `${p.in} parameter `, el("code", {}, p.name), " ", typeOf(p.schema || {}),
                      p.description ? " – " + p.description : ""));
      const list = el("ul", {});
      for (const [status, r] of Object.entries(op.responses)) {
        const media = r.content ? Object.values(r.content)[0] : null;
        list.append(el("li", {}, el("code", {}, status), " ", r.description, media ? " → " : "", media ? schemaLink(media.schema) : ""));
      }
      div.append(list);
      box.append(div);
    }
  }
}
function renderSchemas(spec) {
  const box = document.getElementById("schemas");
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    box.append(el("h3", {id: "schema-" + name}, name));
    if (schema.description) box.append(el("p", {class: "muted"}, schema.description));
    const required = new Set(schema.required || []);
    const table = el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "required"),
                                     el("th", {}, "constraints"), el("th", {}, "description")));
    for (const [field, prop] of Object.entries(schema.properties || {}))
      table.append(el("tr", {}, el("td", {}, el("code", {}, field)), el("td", {}, typeOf(prop)),
                      el("td", {}, required.has(field) ? "yes" : ""), el("td", {}, constraints(prop)),
                      el("td", {}, prop.description || "")));
    box.append(table);
  }
}
function renderResult(data, ok) {
  const box = document.getElementById("result");
  box.replaceChildren();
  if (!ok) {
    box.append(el("p", {class: "refutes"}, `${data.status} ${data.type}: ${data.title}`));
  } else {
    box.append(el("p", {}, el("strong", {}, data.verdict), ` (confidence ${data.confidence.toFixed(2)}, claim language ${data.language})`));
    const why = el("ul", {});
    for (const line of data.explanation) why.append(el("li", {}, line));
    box.append(why);
    const table = el("table", {}, el("tr", {}, el("th", {}, "stance"), el("th", {}, "passage"), el("th", {}, "source")));
    for (const ev of data.evidence) {
      const src = ev.sources[0] || {};
      const name = src.url ? el("a", {href: src.url, rel: "noopener noreferrer"}, src.title || src.source) : (src.title || src.source || "");
      table.append(el("tr", {}, el("td", {class: ev.stance}, ev.stance), el("td", {}, ev.text), el("td", {}, name)));
    }
    box.append(table);
  }
  box.append(el("details", {}, el("summary", {}, "response JSON"), el("pre", {}, JSON.stringify(data, null, 2))));
}
document.getElementById("try").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {claim: document.getElementById("claim").value, top_k: Number(document.getElementById("top_k").value)};
  const langs = document.getElementById("languages").value.split(",").map(s => s.trim()).filter(Boolean);
  if (langs.length) body.languages = langs;
  document.getElementById("result").replaceChildren(el("p", {class: "muted"}, "verifying…"));
  try {
    const response = await fetch("/v1/verify", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    renderResult(await response.json(), response.ok);
  } catch (err) {
    document.getElementById("result").replaceChildren(el("p", {class: "refutes"}, String(err)));
  }
});
fetch("/v1/openapi.json").then(r => r.json()).then(spec => {
  document.getElementById("description").textContent = spec.info.description;
  document.title = `${spec.info.title} ${spec.info.version}`;
  renderPaths(spec);
  renderSchemas(spec);
}).catch(err => { document.getElementById("description").textContent = "could not load openapi.json: " + err; });
