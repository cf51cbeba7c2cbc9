/** The AWS Load Balancer Controller's default annotation prefix (alb.ts and alb-header-routes.ts). */
export const albAnnotationPrefix = 'alb.ingress.kubernetes.io';
