"""Extracts one Kubernetes version's JSON schemas from a kubernetes-validate wheel, for kubeconform.

The wheel's strict schemas point at a shared definitions file by an https $id and root-relative
$refs that only kubernetes-validate's own loader maps to files. Dropping each file's $id and making
the $refs relative lets kubeconform load them from a folder, offline.
usage: kubernetes_schemas.py WHEEL KUBERNETES_VERSION OUT_DIR
"""
import json
import os
import sys
import zipfile

wheel, version, out = sys.argv[1], sys.argv[2], sys.argv[3]
folder = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(wheel) as archive:
    names = [n for n in archive.namelist() if n.startswith(folder) and n.endswith(".json")]
    if not names:
        sys.exit(f"{wheel} has no schemas for Kubernetes {version}")
    for name in names:
        schema = json.loads(archive.read(name))
        schema.pop("$id", None)
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(os.path.join(out, name[len(folder):]), "w") as file:
            file.write(text)
