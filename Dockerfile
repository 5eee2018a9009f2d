# The API and the worker share one image; the command chooses which process runs. Node 22 is the LTS the image runs;
# the code keeps working on Node 20 for development.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No package's install script runs on its own: each is code from the registry run at build time. The one the image
# needs is run by name: @swc/core checks its native binding (`npm run build` bundles the workflows with it).
RUN npm ci --ignore-scripts && npm rebuild @swc/core
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY workflows workflows
COPY bench bench
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production API_HOST=0.0.0.0 WORKER_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
USER node
EXPOSE 3000 3001
CMD ["node", "dist/apps/api/src/main.js"]
