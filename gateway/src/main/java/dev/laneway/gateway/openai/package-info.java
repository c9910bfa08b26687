/**
 * OpenAI's embeddings API ({@code POST /v1/embeddings}, {@code GET /v1/models}) as a door of the same pipeline:
 * {@link dev.laneway.gateway.openai.OpenAiApi}.
 *
 * <pre>{@code
 * new OpenAiApi(pipeline, intake, tracing, routes, options).mount(router);
 * }</pre>
 */
package dev.laneway.gateway.openai;
