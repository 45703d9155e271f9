/** Loads every tensor of a safetensors file as float64, for the float64 reference model. */
import { openSafetensors } from '../../src/engine/safetensors';

/** Reads all tensors of a safetensors file into a name → float64 map. */
export async function loadWeightsF64(path: string): Promise<Map<string, Float64Array>> {
  const file = await openSafetensors(path);
  try {
    const map = new Map<string, Float64Array>();
    for (const info of file.tensors()) {
      map.set(info.name, Float64Array.from(await file.readF32(info.name)));
    }
    return map;
  } finally {
    await file.close();
  }
}

/** A weight lookup over a map that throws for a missing name. */
export function weightLookup(map: Map<string, Float64Array>): (name: string) => Float64Array {
  return (name) => {
    const t = map.get(name);
    if (!t) throw new Error(`weights lack tensor "${name}"`);
    return t;
  };
}
