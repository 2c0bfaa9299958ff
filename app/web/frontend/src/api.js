// The candidate API (/api/v1/take/{token}) over fetch: JSON in, JSON or problem+json out.

import { parseRetryAfter } from "./retry.js";

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = String(problem.type || "").replace("/problems/", "");
    this.detail = this.message;
    this.retryAfter = retryAfter;
  }
}

// The request never reached the server or its answer never came back: worth retrying.
export class NetworkError extends Error {}

export function isTransient(error) {
  return error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
}

export function takeApi(base) {
  async function request(method, path, body, { keepalive = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    let data = null;
    try {
      response = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
        keepalive,
      });
      if (response.ok) {
        data = response.status === 204 ? null : await response.json();
        return { data, date: response.headers.get("Date") };
      }
      try {
        data = await response.json();
      } catch {
        data = {};
      }
    } catch (error) {
      throw new NetworkError(error.message);
    }
    throw new ApiError(response.status, data || {}, parseRetryAfter(response.headers.get("Retry-After")));
  }
  return {
    get: async (path) => (await request("GET", path)).data,
    getTimed: (path) => request("GET", path),
    put: async (path, body) => (await request("PUT", path, body)).data,
    post: async (path, body) => (await request("POST", path, body ?? {})).data,
    beacon: (path, body) => request("POST", path, body, { keepalive: true }),
  };
}
