// The Grafana dashboard type as JSON can satisfy it (enum members as their literal values).
import type { AnnotationQuery, Dashboard } from '@grafana/schema';
// JSON cannot name TypeScript enum members: accept each string enum's literal values instead.
export type Loose<T> = T extends string ? `${T}`
  : T extends number ? number
  : T extends boolean ? boolean
  : T extends null | undefined ? T
  : T extends readonly (infer U)[] ? Loose<U>[]
  : T extends object ? { [K in keyof T]: Loose<T[K]> }
  : T;
// Prometheus annotation fields Grafana reads from the annotation itself (not in the schema).
export interface PrometheusAnnotation {
  expr: string;
  step?: string;
  titleFormat?: string;
  textFormat?: string;
  tagKeys?: string;
  useValueForTime?: boolean;
}
export type DashboardJson = Omit<Loose<Dashboard>, 'annotations'> & {
  annotations: { list: (Loose<AnnotationQuery> & PrometheusAnnotation)[] };
};
