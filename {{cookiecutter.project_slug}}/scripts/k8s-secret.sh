#!/usr/bin/env bash
# Create or update the Secret the Kubernetes manifests read ({{ cookiecutter.project_slug }}-env), from
# an env file that never enters git:
#   scripts/k8s-secret.sh production production.env
set -euo pipefail

overlay="${1:?usage: $0 staging|production ENV_FILE}"
env_file="${2:?usage: $0 staging|production ENV_FILE}"

case "$overlay" in
  staging) namespace="{{ cookiecutter.project_slug }}-staging" ;;
  production) namespace="{{ cookiecutter.project_slug }}" ;;
  *) echo "unknown overlay '$overlay'; use staging or production" >&2; exit 2 ;;
esac

if [[ ! -f "$env_file" ]]; then
  echo "no such env file: $env_file (copy .env.example, set production values)" >&2
  exit 2
fi
if grep -qE '^SECRET_KEY=(change-me)?$' "$env_file"; then
  echo "$env_file has no real SECRET_KEY; set one with: openssl rand -hex 32" >&2
  exit 2
fi

# --dry-run + apply makes this idempotent: it creates the Secret or replaces its data.
kubectl create secret generic "{{ cookiecutter.project_slug }}-env" \
  --namespace "$namespace" \
  --from-env-file "$env_file" \
  --dry-run=client --output yaml \
  | kubectl apply --filename -
