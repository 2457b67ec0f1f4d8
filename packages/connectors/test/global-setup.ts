// Jest loads this outside its module registry: bare imports resolve to built dist/.
import { createGlobalSetup } from '@weft/testing';

export default createGlobalSetup({ postgres: true, s3: { buckets: ['weft-connectors'] } });
