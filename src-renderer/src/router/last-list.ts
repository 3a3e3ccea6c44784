/**
 * The last list page seen per resource type (type, page, size only: no content), so that Esc or
 * "Back to list" from a resource returns to the page the user came from.
 */
import { DEFAULT_PAGE_SIZE, type Route } from './routes';

type ListRoute = Extract<Route, { screen: 'resources' }>;
const lastListByType = new Map<string, ListRoute>();

export function rememberListRoute(route: ListRoute): void {
  if (route.resourceType) lastListByType.set(route.resourceType, route);
}

export function listRouteFor(resourceType: string): ListRoute {
  return lastListByType.get(resourceType) ?? { screen: 'resources', resourceType, page: 1, pageSize: DEFAULT_PAGE_SIZE };
}
