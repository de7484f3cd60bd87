export interface CatalogEventType {
  name: string;
  description: string;
}

export interface SeedCatalog {
  id: 'pixop' | 'asset-manager' | 'api-video' | 'fastpix';
  title: string;
  eventTypes: readonly CatalogEventType[];
}
